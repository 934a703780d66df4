CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE person (id integer PRIMARY KEY, m mood);
CREATE VIEW glad AS SELECT id, m FROM person WHERE m = 'happy';
INSERT INTO person VALUES (1, 'sad'), (2, 'happy');
