# One function edited: the PID step halves the error it remembers.
s/^    p->last = err;$/    p->last = err * 0.5 + p->last * 0.5;/
