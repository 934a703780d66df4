CREATE TABLE parent (id integer, name text);
