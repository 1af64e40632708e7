//! Placeholder, filled by the corrupt-fixture tests.
