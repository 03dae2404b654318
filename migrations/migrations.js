import m0000 from './0000_init.sql'
import m0001 from './0001_dialing.sql'
import m0002 from './0002_voice.sql'
import m0003 from './0003_store_writes.sql'
import m0004 from './0004_install_states.sql'
import m0005 from './0005_orders_created.sql'
import m0006 from './0006_security.sql'
import m0007 from './0007_reliability.sql'
import m0008 from './0008_alerts.sql'
import m0009 from './0009_recordings.sql'
import m0010 from './0010_call_direction.sql'
import m0011 from './0011_messages.sql'
import journal from './meta/_journal.json'

export default {
  journal,
  migrations: {
    m0000,
    m0001,
    m0002,
    m0003,
    m0004,
    m0005,
    m0006,
    m0007,
    m0008,
    m0009,
    m0010,
    m0011,
  },
}
