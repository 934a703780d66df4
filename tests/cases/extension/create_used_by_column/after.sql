CREATE EXTENSION citext;
CREATE TABLE u (id integer PRIMARY KEY, email citext);
