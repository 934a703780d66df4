CREATE TABLE n (id integer PRIMARY KEY, name text);
