CREATE TABLE new_name (id integer PRIMARY KEY, a text);
