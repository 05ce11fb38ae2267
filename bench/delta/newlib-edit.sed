# One function edited in the newlib program: the report weighs each square.
s/^        sq += log_\[i\].value \* log_\[i\].value;$/        sq += log_[i].value * log_[i].value * 1.0001;/
