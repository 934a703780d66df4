CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE diary (id integer PRIMARY KEY, moods mood[] NOT NULL DEFAULT '{}');
INSERT INTO diary VALUES (1, '{sad,happy}'), (2, '{}');
