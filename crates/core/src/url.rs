//! URL canonicalisation. (Filled in by the canonicalisation work.)
