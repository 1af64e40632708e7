//! The facade library of promlite: `promlite::Db`.
