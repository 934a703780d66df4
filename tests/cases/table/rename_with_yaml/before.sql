CREATE TABLE old_name (id integer PRIMARY KEY, a text);
INSERT INTO old_name VALUES (1, 'keep');
