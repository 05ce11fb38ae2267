/*
 * p11.h - the part of the PKCS#11 interface (OASIS PKCS#11 v2.40/v3.0 base
 * specification, Unix conventions: no struct packing, CK_ULONG = unsigned
 * long) that fwpack's signer uses, so that building needs no PKCS#11
 * headers.  CK_FUNCTION_LIST is declared up to C_Sign, in the standard's
 * order; fwpack never touches a member past it.
 */
#ifndef FWPACK_P11_H
#define FWPACK_P11_H

typedef unsigned long CK_ULONG;
typedef unsigned char CK_BYTE;
typedef CK_ULONG CK_RV;
typedef CK_ULONG CK_FLAGS;
typedef CK_ULONG CK_SLOT_ID;
typedef CK_ULONG CK_SESSION_HANDLE;
typedef CK_ULONG CK_OBJECT_HANDLE;
typedef CK_ULONG CK_ATTRIBUTE_TYPE;
typedef CK_ULONG CK_MECHANISM_TYPE;
typedef CK_ULONG CK_USER_TYPE;

typedef struct {
    CK_BYTE major, minor;
} CK_VERSION;

typedef struct {
    CK_BYTE label[32];
    CK_BYTE manufacturerID[32];
    CK_BYTE model[16];
    CK_BYTE serialNumber[16];
    CK_FLAGS flags;
    CK_ULONG ulMaxSessionCount, ulSessionCount;
    CK_ULONG ulMaxRwSessionCount, ulRwSessionCount;
    CK_ULONG ulMaxPinLen, ulMinPinLen;
    CK_ULONG ulTotalPublicMemory, ulFreePublicMemory;
    CK_ULONG ulTotalPrivateMemory, ulFreePrivateMemory;
    CK_VERSION hardwareVersion, firmwareVersion;
    CK_BYTE utcTime[16];
} CK_TOKEN_INFO;

typedef struct {
    CK_ATTRIBUTE_TYPE type;
    void *pValue;
    CK_ULONG ulValueLen;
} CK_ATTRIBUTE;

typedef struct {
    CK_MECHANISM_TYPE mechanism;
    void *pParameter;
    CK_ULONG ulParameterLen;
} CK_MECHANISM;

typedef struct CK_FUNCTION_LIST CK_FUNCTION_LIST;
typedef void *CK_PTR_UNUSED; /* members fwpack does not call */

struct CK_FUNCTION_LIST {
    CK_VERSION version;
    CK_RV (*C_Initialize)(void *init_args);
    CK_RV (*C_Finalize)(void *reserved);
    CK_PTR_UNUSED C_GetInfo;
    CK_RV (*C_GetFunctionList)(CK_FUNCTION_LIST **list);
    CK_RV (*C_GetSlotList)(CK_BYTE token_present, CK_SLOT_ID *slots,
                           CK_ULONG *count);
    CK_PTR_UNUSED C_GetSlotInfo;
    CK_RV (*C_GetTokenInfo)(CK_SLOT_ID slot, CK_TOKEN_INFO *info);
    CK_PTR_UNUSED C_GetMechanismList;
    CK_PTR_UNUSED C_GetMechanismInfo;
    CK_PTR_UNUSED C_InitToken;
    CK_PTR_UNUSED C_InitPIN;
    CK_PTR_UNUSED C_SetPIN;
    CK_RV (*C_OpenSession)(CK_SLOT_ID slot, CK_FLAGS flags, void *app,
                           void *notify, CK_SESSION_HANDLE *session);
    CK_RV (*C_CloseSession)(CK_SESSION_HANDLE session);
    CK_PTR_UNUSED C_CloseAllSessions;
    CK_PTR_UNUSED C_GetSessionInfo;
    CK_PTR_UNUSED C_GetOperationState;
    CK_PTR_UNUSED C_SetOperationState;
    CK_RV (*C_Login)(CK_SESSION_HANDLE session, CK_USER_TYPE user,
                     CK_BYTE *pin, CK_ULONG pin_len);
    CK_RV (*C_Logout)(CK_SESSION_HANDLE session);
    CK_PTR_UNUSED C_CreateObject;
    CK_PTR_UNUSED C_CopyObject;
    CK_PTR_UNUSED C_DestroyObject;
    CK_PTR_UNUSED C_GetObjectSize;
    CK_RV (*C_GetAttributeValue)(CK_SESSION_HANDLE session,
                                 CK_OBJECT_HANDLE object,
                                 CK_ATTRIBUTE *templ, CK_ULONG count);
    CK_PTR_UNUSED C_SetAttributeValue;
    CK_RV (*C_FindObjectsInit)(CK_SESSION_HANDLE session,
                               CK_ATTRIBUTE *templ, CK_ULONG count);
    CK_RV (*C_FindObjects)(CK_SESSION_HANDLE session,
                           CK_OBJECT_HANDLE *objects, CK_ULONG max,
                           CK_ULONG *count);
    CK_RV (*C_FindObjectsFinal)(CK_SESSION_HANDLE session);
    CK_PTR_UNUSED C_EncryptInit;
    CK_PTR_UNUSED C_Encrypt;
    CK_PTR_UNUSED C_EncryptUpdate;
    CK_PTR_UNUSED C_EncryptFinal;
    CK_PTR_UNUSED C_DecryptInit;
    CK_PTR_UNUSED C_Decrypt;
    CK_PTR_UNUSED C_DecryptUpdate;
    CK_PTR_UNUSED C_DecryptFinal;
    CK_PTR_UNUSED C_DigestInit;
    CK_PTR_UNUSED C_Digest;
    CK_PTR_UNUSED C_DigestUpdate;
    CK_PTR_UNUSED C_DigestKey;
    CK_PTR_UNUSED C_DigestFinal;
    CK_RV (*C_SignInit)(CK_SESSION_HANDLE session, CK_MECHANISM *mech,
                        CK_OBJECT_HANDLE key);
    CK_RV (*C_Sign)(CK_SESSION_HANDLE session, CK_BYTE *data,
                    CK_ULONG data_len, CK_BYTE *sig, CK_ULONG *sig_len);
    /* ... C_SignUpdate and the rest: never reached */
};

#define CK_TRUE 1

/* return values */
#define CKR_OK 0x000UL
#define CKR_ARGUMENTS_BAD 0x007UL
#define CKR_ATTRIBUTE_TYPE_INVALID 0x012UL
#define CKR_DEVICE_ERROR 0x030UL
#define CKR_KEY_TYPE_INCONSISTENT 0x063UL
#define CKR_KEY_FUNCTION_NOT_PERMITTED 0x068UL
#define CKR_MECHANISM_INVALID 0x070UL
#define CKR_PIN_INCORRECT 0x0A0UL
#define CKR_PIN_INVALID 0x0A1UL
#define CKR_PIN_LEN_RANGE 0x0A2UL
#define CKR_PIN_EXPIRED 0x0A3UL
#define CKR_PIN_LOCKED 0x0A4UL
#define CKR_TOKEN_NOT_PRESENT 0x0E0UL
#define CKR_USER_ALREADY_LOGGED_IN 0x100UL
#define CKR_USER_NOT_LOGGED_IN 0x101UL
#define CKR_USER_PIN_NOT_INITIALIZED 0x102UL
#define CKR_BUFFER_TOO_SMALL 0x150UL
#define CKR_CRYPTOKI_ALREADY_INITIALIZED 0x191UL

/* flags */
#define CKF_RW_SESSION 0x002UL
#define CKF_SERIAL_SESSION 0x004UL
#define CKF_LOGIN_REQUIRED 0x004UL /* in CK_TOKEN_INFO.flags */
#define CKF_PROTECTED_AUTHENTICATION_PATH 0x100UL
#define CKF_TOKEN_INITIALIZED 0x400UL

#define CKU_USER 1UL

/* objects, attributes, key types, mechanisms */
#define CKO_PUBLIC_KEY 2UL
#define CKO_PRIVATE_KEY 3UL
#define CKA_CLASS 0x000UL
#define CKA_LABEL 0x003UL
#define CKA_KEY_TYPE 0x100UL
#define CKA_ID 0x102UL
#define CKA_EC_PARAMS 0x180UL
#define CKA_EC_POINT 0x181UL
#define CKK_EC_EDWARDS 0x040UL
#define CKM_EDDSA 0x1057UL

#endif
