{
  "alg": "ed25519",
  "keyId": "6b64e1f7ba385a24",
  "signature": "yEs0+vs8nPgOhDXAIXfH3Trs4yEa/ztAQdLeqCDf5DgIpOuhGg/jmSGyCzh5RjiLEFMMA74DeY9P9feJP1tzDQ=="
}
