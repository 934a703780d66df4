CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'happy');
COMMENT ON TYPE app.mood IS 'how one feels';
ALTER TYPE app.mood OWNER TO acc_owner;
REVOKE USAGE ON TYPE app.mood FROM PUBLIC;
GRANT USAGE ON TYPE app.mood TO acc_reader;
CREATE TABLE person (id integer PRIMARY KEY, m app.mood);
INSERT INTO person VALUES (1, 'sad');
