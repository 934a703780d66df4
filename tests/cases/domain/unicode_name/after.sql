CREATE DOMAIN "bıgınt" AS bigint;
