CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE person (id integer PRIMARY KEY, m mood NOT NULL);
CREATE INDEX person_m_idx ON person (m);
INSERT INTO person VALUES (1, 'sad'), (2, 'happy');
