//! The vocabulary synthetic articles are written from: enough variety that
//! headlines rarely repeat, pages compress like real prose, and search finds
//! a few hundred results rather than all or none.

pub const SECTIONS: &[(&str, &str)] = &[
    ("world", "World"),
    ("politics", "Politics"),
    ("business", "Business"),
    ("technology", "Technology"),
    ("science", "Science"),
    ("health", "Health"),
    ("sport", "Sport"),
    ("culture", "Culture"),
];

/// Outlet names are a place and a masthead word: "The Northfield Herald".
pub const PLACES: &[&str] = &[
    "Northfield", "Eastport", "Riverside", "Kingsbridge", "Ashford", "Millbrook", "Westhaven",
    "Bayview", "Stonegate", "Fairmont", "Oakridge", "Lakeshore", "Harborough", "Redcliff",
    "Glenwood", "Brightwater", "Highmoor", "Silverton", "Crestwood", "Elmstead",
];
pub const MASTHEADS: &[&str] = &[
    "Herald", "Courier", "Gazette", "Times", "Post", "Chronicle", "Observer", "Tribune",
    "Ledger", "Dispatch", "Sentinel", "Review",
];

pub const SUBJECTS: &[&str] = &[
    "City council", "Central bank", "Researchers", "Rail operator", "Health ministry",
    "Port authority", "Climate scientists", "Energy regulator", "Teachers' union", "Space agency",
    "Carmaker", "Wildlife charity", "Prime minister", "Opposition leader", "Supreme court",
    "Trade negotiators", "Football club", "Film festival", "Water company", "Airline",
    "Chip maker", "Hospital trust", "Farmers' group", "Coast guard", "Tech giant",
    "Mayor", "Finance minister", "Election commission", "Museum", "Orchestra",
];
pub const VERBS: &[&str] = &[
    "approves plan for", "warns about", "reports progress on", "delays decision on",
    "unveils budget for", "opens inquiry into", "rejects proposal on", "signs deal on",
    "faces criticism over", "announces review of", "cuts spending on", "doubles funding for",
    "sets deadline for", "publishes findings on", "pauses work on",
];
pub const OBJECTS: &[&str] = &[
    "public transport", "interest rates", "flood defences", "energy prices",
    "data privacy rules", "grain exports", "battery recycling", "coastal erosion",
    "school meals", "satellite launches", "housing costs", "wind farms", "drug shortages",
    "border checks", "ticket prices", "air quality", "pension reform", "stadium plans",
    "fishing quotas", "broadband rollout", "river pollution", "nurse pay", "bus routes",
    "copper mining", "vaccine supply", "museum funding", "heat pumps", "road tolls",
];

pub const FIRST_NAMES: &[&str] = &[
    "Anna", "Ben", "Clara", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kateryna", "Liam", "Maya", "Noah", "Olga", "Pedro", "Rosa", "Samir", "Tara", "Viktor",
];
pub const LAST_NAMES: &[&str] = &[
    "Andersen", "Bauer", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Horvat", "Ivanova",
    "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Sato",
    "Tkachenko", "Weber",
];

/// Sentence openings and middles; bodies are built from these and the
/// headline's own words, so an article reads as about its subject.
pub const OPENERS: &[&str] = &[
    "Officials said on", "According to figures published on", "Speaking to reporters on",
    "In a statement released on", "Critics argued on", "Local residents said on",
    "Analysts noted on", "A spokesperson confirmed on",
];
pub const DAYS: &[&str] = &[
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
];
pub const CLAUSES: &[&str] = &[
    "that the decision had been months in the making",
    "that the costs were higher than first estimated",
    "that further talks were planned for next week",
    "that the changes would take effect from the spring",
    "that several groups had asked for more time",
    "that the figures showed a clear change from last year",
    "that independent experts would review the plan",
    "that the public would be consulted before any final decision",
    "that the first results were encouraging but incomplete",
    "that the budget left little room for new projects",
    "that the timetable depended on approval from parliament",
    "that smaller towns had been hit hardest",
];
pub const FILLERS: &[&str] = &[
    "The move follows a long period of debate.",
    "Similar measures were tried in neighbouring regions with mixed results.",
    "Opposition members called for a full account of the spending.",
    "Economists said the effect would not be clear for several months.",
    "The announcement drew a cautious response from business groups.",
    "Campaigners welcomed the news but said more was needed.",
    "Details of the plan are expected to be published later this month.",
    "A report last year found that demand had grown faster than forecast.",
    "Officials declined to say how much the work would cost in total.",
    "Residents who spoke to the newspaper were divided on the proposal.",
    "The agency said it had received thousands of responses.",
    "Work on the first phase is scheduled to begin next year.",
    "Union representatives said they had not been consulted.",
    "The committee will meet again before the end of the quarter.",
    "Independent observers described the talks as constructive.",
    "Data from the past decade show a steady rise.",
];
pub const QUOTES: &[&str] = &[
    "We have listened carefully and we believe this is the right balance.",
    "This is not the end of the discussion, it is the beginning.",
    "People deserve clear answers, and they deserve them soon.",
    "The numbers speak for themselves, but they do not tell the whole story.",
    "Nobody pretends this will be easy.",
];
pub const SUBHEADS: &[&str] = &[
    "What happens next",
    "A long road",
    "Questions remain",
    "The numbers",
    "Reaction",
];
