//! Lists and capitals in English sentences, for the text people read.

/// "a", "a and b", "a, b and c".
pub fn and_list<T: AsRef<str>>(items: &[T]) -> String {
    joined(items, "and")
}

/// "a", "a or b", "a, b or c".
pub fn or_list<T: AsRef<str>>(items: &[T]) -> String {
    joined(items, "or")
}

fn joined<T: AsRef<str>>(items: &[T], conjunction: &str) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}

/// The text with its first letter in capitals.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_sentences() {
        assert_eq!(and_list::<&str>(&[]), "");
        assert_eq!(and_list(&["English"]), "English");
        assert_eq!(and_list(&["English", "French"]), "English and French");
        assert_eq!(
            or_list(&["low", "lower-middle", "upper-middle"]),
            "low, lower-middle or upper-middle"
        );
        assert_eq!(capitalised("2 of 5 free"), "2 of 5 free");
        assert_eq!(capitalised("éa"), "Éa");
    }
}
