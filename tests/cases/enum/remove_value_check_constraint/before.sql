CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE person (id integer PRIMARY KEY, m mood, CONSTRAINT not_sad CHECK (m <> 'sad'));
INSERT INTO person VALUES (1, 'happy');
