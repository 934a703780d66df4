CREATE TABLE "Order" ("Id" integer PRIMARY KEY, "Total Amount" numeric, "select" text);
CREATE TABLE t (id integer PRIMARY KEY);
