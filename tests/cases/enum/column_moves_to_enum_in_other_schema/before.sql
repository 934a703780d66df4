CREATE SCHEMA app;
CREATE TYPE public.mood AS ENUM ('sad', 'ok');
CREATE TABLE app.t (id integer PRIMARY KEY, m public.mood, ms public.mood[]);
INSERT INTO app.t VALUES (1, 'ok', '{sad,ok}');
