CREATE TYPE textrange_c AS RANGE (subtype = text, collation = "C");
CREATE TYPE textrange_pattern AS RANGE (subtype = text, subtype_opclass = text_pattern_ops);
CREATE TABLE words (id integer PRIMARY KEY, span textrange_c, pspan textrange_pattern);
