CREATE SCHEMA api;
CREATE TABLE public.items (id integer PRIMARY KEY, name text);
