-- Issue 21, GitHub out: the issue (or discussion) sevbot opened for something, by what it is
-- for (`incident:<n>`, `discussion:<n>`: a public incident's updates; `action:<n>:<item>`: an
-- action item), so a retry comments on it instead of opening a second one, and a closed issue
-- finds its item. `node_id`: GraphQL's id of a discussion (its mutations need it).
CREATE TABLE github_issues (
    repository TEXT NOT NULL,
    subject TEXT NOT NULL,
    number INTEGER NOT NULL,
    url TEXT NOT NULL,
    node_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (repository, subject)
);
CREATE INDEX github_issues_number ON github_issues (repository, number);
