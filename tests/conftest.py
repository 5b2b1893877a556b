# tests/artifacts/ holds what the tests write (screenshots, scikit-learn's test file rewritten for mixnb): never collect it
collect_ignore_glob = ["artifacts/*"]
