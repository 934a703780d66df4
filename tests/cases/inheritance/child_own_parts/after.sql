CREATE TABLE parent (id integer NOT NULL, name text, CONSTRAINT parent_name_check CHECK (name <> ''));
CREATE TABLE child (extra text, CONSTRAINT child_extra_check CHECK (extra <> '')) INHERITS (parent);
ALTER TABLE child ADD PRIMARY KEY (extra);
CREATE INDEX child_name_idx ON child (name);
CREATE TABLE other (child_extra text REFERENCES child (extra));
GRANT SELECT ON child TO acc_reader;
