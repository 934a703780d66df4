CREATE TYPE mood AS ENUM ('angry', 'sad', 'happy');
