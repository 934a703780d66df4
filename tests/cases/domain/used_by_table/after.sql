CREATE DOMAIN email AS text COLLATE "C" CHECK (VALUE ~ '@');
CREATE TABLE u (id integer PRIMARY KEY, e email);
