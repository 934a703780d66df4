CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN known_mood AS mood NOT NULL;
CREATE TABLE person (id integer PRIMARY KEY, m known_mood);
