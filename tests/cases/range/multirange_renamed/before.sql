CREATE SCHEMA app;
CREATE TYPE app.span AS RANGE (subtype = int4);
CREATE TABLE app.booking (id integer PRIMARY KEY, days app.span);
