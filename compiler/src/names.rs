//! Did-you-mean: the closest known name to a mistyped one.

/// The candidate closest to `wrong`, if one is close enough to be a typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_len = wrong.chars().count();
    let limit = match wrong_len {
        // One character differs from every other one-character name by one
        // edit: a suggestion there is a guess, not a correction.
        0..=1 => 0,
        2..=3 => 1,
        4..=5 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| *c != wrong)
        .map(|c| (strsim::damerau_levenshtein(wrong, c), c))
        .filter(|(d, c)| *d <= limit || c.to_lowercase() == wrong.to_lowercase())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `did you mean `x`?` help text, if there is a close name.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(wrong, candidates).map(crate::problem::did_you_mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_but_not_strangers() {
        let fields = ["voc_issued", "voc_issuer", "voc_level"];
        assert_eq!(closest("voc_isued", fields), Some("voc_issued"));
        assert_eq!(closest("vocc_level", fields), Some("voc_level"));
        assert_eq!(closest("applicant_age", fields), None);
        assert_eq!(closest("三", ["一", "二"]), None);
    }
}
