CREATE SCHEMA app;
CREATE TABLE app.t (id bigint PRIMARY KEY, a text);
