//! Recording and alerting rules, templating and the Alertmanager notifier.
