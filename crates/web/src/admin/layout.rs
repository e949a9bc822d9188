//! What every admin page shows around its content.

use super::session::Authed;

/// The signed-in user, as the header shows them; `csrf` goes into every form.
#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub role: &'static str,
    pub is_admin: bool,
    pub csrf: String,
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub site_name: String,
    pub me: Option<Me>,
    /// Which navigation entry is current.
    pub section: &'static str,
    /// One line of success ("Article hidden.") or of trouble.
    pub notice: String,
    pub error: String,
}

impl Layout {
    /// For pages shown without a session: login and error pages.
    pub fn bare() -> Self {
        Layout {
            site_name: String::new(),
            me: None,
            section: "",
            notice: String::new(),
            error: String::new(),
        }
    }

    pub fn new(site_name: &str, who: &Authed, section: &'static str) -> Self {
        Layout {
            site_name: site_name.to_string(),
            me: Some(Me {
                name: who.user.name.clone(),
                role: who.user.role.as_str(),
                is_admin: who.is_admin(),
                csrf: who.session.csrf_secret.clone(),
            }),
            section,
            notice: String::new(),
            error: String::new(),
        }
    }

    /// The notice a redirect after a change asked for. Only fixed texts:
    /// the query string never reaches the page.
    pub fn with_done(mut self, done: Option<&str>) -> Self {
        self.notice = match done.unwrap_or("") {
            "hidden" => "Article hidden: it is gone from the public pages.",
            "unhidden" => "Article shown again on the public pages.",
            "added" => "Source added: it will be fetched within a minute or two.",
            "enabled" => "Source enabled.",
            "disabled" => "Source disabled: it will not be fetched until enabled again.",
            "removed" => "Source removed, with its articles.",
            "saved" => "Settings saved: they apply from the source's next fetch.",
            _ => "",
        }
        .to_string();
        self
    }
}
