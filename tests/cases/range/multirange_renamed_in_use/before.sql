CREATE SCHEMA app;
CREATE TYPE app.span AS RANGE (subtype = int4);
CREATE TABLE app.booking (id integer PRIMARY KEY, days app.span_multirange);
INSERT INTO app.booking VALUES (1, '{[1,3)}');
