//! Locale-aware time labels. (Filled in by the time-formatting work.)
