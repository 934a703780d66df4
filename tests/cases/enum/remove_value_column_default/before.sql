CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE person (id integer PRIMARY KEY, m mood NOT NULL DEFAULT 'happy');
INSERT INTO person (id) VALUES (1);
