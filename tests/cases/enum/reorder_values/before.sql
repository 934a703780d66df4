CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE person (id integer PRIMARY KEY, m mood);
INSERT INTO person VALUES (1, 'sad'), (2, 'happy');
