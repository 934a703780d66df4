CREATE SCHEMA app;
CREATE TYPE app.span AS RANGE (subtype = int4, multirange_type_name = app.spans);
CREATE TABLE app.booking (id integer PRIMARY KEY, days app.spans);
INSERT INTO app.booking VALUES (1, '{[1,3)}');
