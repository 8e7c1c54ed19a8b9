import { Body1, Subtitle2 } from '@fluentui/react-components'

/** The schema browser's place. It is filled by connections, which are not in this build yet. */
export function SchemaPanel() {
  return (
    <section className="ss-panel" aria-label="Tables and resources">
      <header className="ss-panel__header">
        <Subtitle2>Tables &amp; resources</Subtitle2>
      </header>
      <Body1 className="ss-panel__quiet">
        Not connected. Browsing Dynamics 365 tables and Campaign resources comes with connections, which are not in this build yet.
      </Body1>
    </section>
  )
}
