CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE app.person (id integer PRIMARY KEY, m app.mood);
INSERT INTO app.person VALUES (1, 'ok'), (2, 'happy');
