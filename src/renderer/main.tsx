import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import '@xyflow/react/dist/style.css'
import './styles.css'
import { connect } from './api/connect'
import { App, ConnectionError } from './App'

const client = connect()
createRoot(document.getElementById('root')!).render(
  <StrictMode>{'error' in client ? <ConnectionError message={client.error} /> : <App client={client} />}</StrictMode>
)
