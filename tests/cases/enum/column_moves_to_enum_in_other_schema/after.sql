CREATE SCHEMA app;
CREATE TYPE public.mood AS ENUM ('sad', 'ok');
CREATE TYPE app.feeling AS ENUM ('sad', 'ok', 'great');
CREATE TABLE app.t (id integer PRIMARY KEY, m app.feeling, ms app.feeling[]);
INSERT INTO app.t VALUES (1, 'ok', '{sad,ok}');
