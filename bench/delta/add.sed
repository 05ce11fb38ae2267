# A function added, and called once at start-up.
/^int main(void);$/i\
static unsigned settings_checksum(void)\
{\
    unsigned sum = 0, i;\
    for (i = 0; i < setting_count; i++)\
        sum = sum * 31u + (unsigned)(settings[i].value * 100.0);\
    return sum;\
}\

s/^    crc_init();$/    crc_init();\
    print("settings %u\\r\\n", settings_checksum());/
