CREATE TABLE parent (id integer, name text);
CREATE TABLE child (id integer, name text, extra text);
ALTER TABLE child INHERIT parent;
