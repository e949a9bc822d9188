//! One developing event told over two days, and everyday news around it:
//! the texts the thread tests (here and in the binary's story tests) share.
#![allow(dead_code)]

pub const LAUNCH: &str = "North Korea fired a ballistic missile over Japan's northern island of Hokkaido \
    early on Tuesday, prompting warnings for residents to take cover. Prime Minister Shinzo Abe \
    called the launch an unprecedented threat. Kim Jong Un's government said the Hwasong-12 test \
    was a response to military drills.";
pub const REACTION: &str = "The United Nations Security Council condemned the launch of a North Korean \
    Hwasong-12 missile that flew over Hokkaido, and Shinzo Abe said Japan would work with allies. \
    Pyongyang said Kim Jong Un had ordered more launches into the Pacific.";

/// Unrelated coverage, so that IDF knows which words are everyday ones.
pub const EVERYDAY: [(&str, &str); 4] = [
    (
        "Stocks edge higher as investors weigh earnings",
        "Shares rose on Wall Street as investors weighed quarterly earnings from retailers and banks.",
    ),
    (
        "Heatwave grips southern Europe",
        "Temperatures passed 40C across Spain and Italy, and officials urged people to stay indoors.",
    ),
    (
        "Tech giant unveils new phone",
        "The company showed a thinner handset with a larger screen at an event in California on Tuesday.",
    ),
    (
        "Champions crash out of cup",
        "The holders lost on penalties after a goalless draw, ending their run in the competition.",
    ),
];
