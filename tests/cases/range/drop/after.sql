CREATE TYPE keep AS RANGE (subtype = int4);
