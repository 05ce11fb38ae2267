/*
 * Wire.h - the Arduino Wire (I2C master) API, as much as the
 * Samd21UpdateAgent example uses, for the stand-in core (Arduino.h).
 */
#ifndef WIRE_H
#define WIRE_H

#include "Arduino.h"

class TwoWire {
public:
    void begin(void);
    void beginTransmission(uint8_t addr);
    size_t write(const uint8_t *data, size_t len);
    uint8_t endTransmission(bool stop = true);
    uint8_t requestFrom(uint8_t addr, size_t len, bool stop = true);
    int available(void);
    int read(void);

private:
    uint8_t addr_;
    uint16_t tx_len_, rx_len_, rx_pos_;
    uint8_t tx_[256], rx_[256];
};

extern TwoWire Wire;

#endif
