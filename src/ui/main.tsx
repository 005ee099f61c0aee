// First, before any module that builds a zod schema: zod must not probe `new Function` under the page's CSP.
import '../lab/zodJitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { UpdateNotice } from './components/UpdateNotice';
import { startServiceWorker } from './serviceWorker';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <UpdateNotice />
    <App />
  </StrictMode>,
);
startServiceWorker();
