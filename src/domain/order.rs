//! How lists are ordered, as a query string's `sort=` names it.

use super::vocab::{UnknownCode, Vocabulary};

/// Declares a list order: its codes and labels, one of them the default.
macro_rules! order {
    ($(#[$meta:meta])* $name:ident { #[default] $first:ident => ($fcode:literal, $flabel:literal) $(, $variant:ident => ($code:literal, $label:literal))* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub enum $name {
            #[default]
            $first,
            $($variant),*
        }

        impl Vocabulary for $name {
            fn all() -> &'static [$name] {
                &[$name::$first, $($name::$variant),*]
            }

            fn code(self) -> &'static str {
                match self {
                    $name::$first => $fcode,
                    $($name::$variant => $code),*
                }
            }

            fn label(self) -> &'static str {
                match self {
                    $name::$first => $flabel,
                    $($name::$variant => $label),*
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownCode;

            fn from_str(code: &str) -> Result<$name, UnknownCode> {
                $name::from_code(code).ok_or_else(|| UnknownCode {
                    what: "sort order",
                    code: code.to_owned(),
                })
            }
        }
    };
}

order! {
    /// A directory list: by name (an offering's title), or the most
    /// recently changed first.
    ListOrder {
        #[default]
        Name => ("name", "Name, A to Z"),
        Updated => ("updated", "Recently updated"),
    }
}

order! {
    /// The matches list: the most recent change first, or the highest
    /// score the engine gave.
    MatchOrder {
        #[default]
        Updated => ("updated", "Recently changed"),
        Score => ("score", "Highest score"),
    }
}

order! {
    /// The unmatched needs: the longest waiting first, or the highest
    /// priority first.
    UnmatchedOrder {
        #[default]
        Listed => ("listed", "Longest waiting first"),
        Priority => ("priority", "Highest priority first"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_reads_back_from_its_code_and_nothing_else_does() {
        for order in ListOrder::all() {
            assert_eq!(order.code().parse::<ListOrder>(), Ok(*order));
        }
        for order in MatchOrder::all() {
            assert_eq!(order.code().parse::<MatchOrder>(), Ok(*order));
        }
        for order in UnmatchedOrder::all() {
            assert_eq!(order.code().parse::<UnmatchedOrder>(), Ok(*order));
        }
        assert!("Name".parse::<ListOrder>().is_err());
        assert!("".parse::<MatchOrder>().is_err());
        assert_eq!(ListOrder::default(), ListOrder::Name);
    }
}
