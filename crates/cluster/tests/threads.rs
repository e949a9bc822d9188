//! The threading rules, on full-text articles through `Clusterer::add`, and
//! affix learning on feeds from several outlets.

mod events;

use events::{LAUNCH, REACTION};
use newsroom_cluster::{Clusterer, Item};

const T0: i64 = 1_503_878_400; // 2017-08-28
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

fn item(id: &str, source: &str, title: &str, text: &str, t: i64) -> Item {
    Item {
        id: id.into(),
        title: title.into(),
        text: (!text.is_empty()).then(|| text.into()),
        url: None,
        source: Some(source.into()),
        published: t,
    }
}

/// Unrelated coverage before and around the events, so that IDF knows
/// which words are everyday ones.
fn background(c: &mut Clusterer, from: i64, days: i64) {
    let topics = events::EVERYDAY;
    let mut n = 0;
    for d in 0..days {
        for (i, (title, text)) in topics.iter().enumerate() {
            n += 1;
            c.add(item(
                &format!("bg{from}-{n}"),
                "wire",
                &format!("{title} ({d})"),
                text,
                from + d * DAY + i as i64 * HOUR,
            ));
        }
    }
}

#[test]
fn a_story_continued_the_next_day_joins_its_thread() {
    let mut c = Clusterer::default();
    background(&mut c, T0 - 3 * DAY, 3);
    let a = c.add(item(
        "a",
        "npr",
        "North Korea fires missile over Japan",
        LAUNCH,
        T0,
    ));
    let b = c.add(item(
        "b",
        "bbc",
        "Missile flies over Hokkaido as Abe condemns Pyongyang",
        LAUNCH,
        T0 + 2 * HOUR,
    ));
    assert_eq!(a.story, b.story, "same day, same event: one story");
    // A day and a half later: a new day-level story, but the same event.
    let next = c.add(item(
        "c",
        "cnn",
        "UN Security Council condemns Hwasong-12 launch",
        REACTION,
        T0 + 36 * HOUR,
    ));
    assert!(next.new_story, "stories stay day-level");
    assert_eq!(next.thread, a.thread, "the continuation joins the thread");
    assert!(!next.new_thread);
    let t = c.threads().into_iter().find(|t| t.id == a.thread).unwrap();
    assert_eq!(t.stories, 2);
    assert_eq!(t.articles, 3);
}

#[test]
fn events_sharing_a_place_but_not_actors_stay_apart() {
    let mut c = Clusterer::default();
    background(&mut c, T0 - 3 * DAY, 3);
    let fire = c.add(item(
        "fire",
        "guardian",
        "Fire destroys warehouse in Manchester",
        "A large fire destroyed a furniture warehouse in Manchester overnight. Greater Manchester \
         Fire and Rescue Service sent twelve engines and said nobody was hurt; the cause is not known.",
        T0,
    ));
    let football = c.add(item(
        "football",
        "sky",
        "Manchester United sign Lukaku from Everton",
        "Manchester United completed the signing of striker Romelu Lukaku from Everton, with manager \
         Jose Mourinho saying the Belgian would lead the attack this season at Old Trafford.",
        T0 + 20 * HOUR,
    ));
    assert_ne!(fire.story, football.story);
    assert_ne!(
        fire.thread, football.thread,
        "a shared place name is not an event"
    );
    assert!(football.new_thread);
}

#[test]
fn a_thread_idle_past_the_horizon_closes() {
    let mut c = Clusterer::default();
    let horizon = (c.config().threads.horizon_days * DAY as f64) as i64;
    background(&mut c, T0 - 3 * DAY, 3);
    let a = c.add(item(
        "a",
        "npr",
        "North Korea fires missile over Japan",
        LAUNCH,
        T0,
    ));
    // Within the horizon, a quiet week is weighed, not cut: it still joins.
    let week = c.add(item(
        "w",
        "cnn",
        "UN Security Council condemns Hwasong-12 launch",
        REACTION,
        T0 + 7 * DAY,
    ));
    assert_eq!(week.thread, a.thread);
    // Quiet for longer than the horizon: the thread has closed, and the
    // same words open a new one.
    background(&mut c, T0 + 8 * DAY, 2);
    let late = c.add(item(
        "late",
        "bbc",
        "North Korea fires another missile over Japan",
        LAUNCH,
        T0 + 7 * DAY + horizon + HOUR,
    ));
    assert!(late.new_thread);
    assert_ne!(late.thread, a.thread);
    assert!(!c.threads().iter().any(|t| t.id == a.thread));
}

/// Feeds from several outlets, some wrapping every title in boilerplate and
/// some not: the boilerplate is learned per outlet and no longer pulls
/// unrelated items of one outlet together.
#[test]
fn outlet_affixes_are_learned_per_source_and_stop_false_joins() {
    let mut c = Clusterer::default();
    let subjects = [
        "Iraqis OK bill to ease restrictions on Saddam's Baath members",
        "Starbucks founder back at helm amid sliding sales",
        "Floods displace thousands in Bangladesh delta",
        "Central bank holds rates as inflation cools",
        "Marathon runner sets course record in Boston",
        "Parliament passes new data privacy law",
        "Volcano erupts on remote Indonesian island",
        "Automaker recalls sedans over faulty airbags",
        "Scientists map the genome of the common oak",
        "Airline orders fifty long-haul jets",
        "Museum returns looted bronzes to Nigeria",
        "Chess prodigy wins national title at twelve",
    ];
    let mut t = T0;
    let mut xinhua_stories = std::collections::BTreeSet::new();
    for (i, s) in subjects.iter().enumerate() {
        t += 30 * 60;
        let x = c.add(item(
            &format!("x{i}"),
            "Xinhua",
            &format!("{s}_English_Xinhua"),
            "",
            t,
        ));
        c.add(item(
            &format!("a{i}"),
            "AFP",
            &format!("AFP: {s}"),
            "",
            t + 60,
        ));
        // An outlet with no boilerplate at all, on its own subjects.
        c.add(item(
            &format!("p{i}"),
            "plain",
            &format!("Local council meeting number {i} discusses roads"),
            "",
            t + 120,
        ));
        if i >= 6 {
            xinhua_stories.insert(x.story);
        }
    }
    // Once the suffix is learned, six unrelated Xinhua items are six stories.
    assert_eq!(xinhua_stories.len(), 6, "{xinhua_stories:?}");
}
