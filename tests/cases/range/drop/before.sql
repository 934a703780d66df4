CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE TYPE keep AS RANGE (subtype = int4);
