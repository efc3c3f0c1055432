import GRDB
import Hummingbird
import HummingbirdTLS
import X509
import Crypto
import ServiceLifecycle
