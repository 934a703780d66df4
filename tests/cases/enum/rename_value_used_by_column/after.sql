CREATE TYPE mood AS ENUM ('sad', 'fine');
CREATE TABLE person (id integer PRIMARY KEY, m mood NOT NULL DEFAULT 'fine');
INSERT INTO person VALUES (1, 'fine'), (2, 'sad');
